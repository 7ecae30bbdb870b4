// The one nearest-name helper lives in action-kit (SLO definitions use it too).
export { editDistance, nearestName } from '@gauntlet/action-kit';
