// `pnpm gauntlet:dev run <action> …`: the local runner from source, with the GitHub API stand-in available for
// --github-standin (a development package, not part of the bundle that bin/gauntlet.js loads).
import { startGitHubStandIn } from '@gauntlet/github-api-standin';
import { main } from '@gauntlet/local-runner';

// pnpm runs scripts from the repository root; --workspace and --summary default to where the user typed the command.
if (process.env['INIT_CWD']) process.chdir(process.env['INIT_CWD']);
process.exitCode = await main(process.argv.slice(2), { startGitHubStandIn: (options) => startGitHubStandIn(options) });
