/**
 * Builders for GitHub REST objects, shaped as api.github.com returns them (every required field present, real
 * URL layouts, real IDs for the GitHub Actions app and its bot) so that client code meets realistic payloads and
 * responses validate against GitHub's schemas.
 */
import type { Integration, IssueComment, PrivateUser, PullRequest, Repository, SimpleUser } from './types.js';

export const WEB_URL = 'https://github.com';

/** The real github-actions[bot] user and GitHub Actions app, as GITHUB_TOKEN writes appear on github.com. */
export const ACTIONS_BOT = { login: 'github-actions[bot]', id: 41898282, nodeId: 'MDM6Qm90NDE4OTgyODI=' } as const;
export const ACTIONS_APP_ID = 15368;

/** GitHub timestamps have second precision and a 'Z' suffix. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Stable, plausible user IDs for logins other than the actions bot (a test can compare them across runs). */
export function userIdFor(login: string): number {
  if (login === ACTIONS_BOT.login) return ACTIONS_BOT.id;
  let hash = 2166136261;
  for (const char of login) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return 1_000_000 + (hash % 150_000_000);
}

/** A repository label as GitHub serves it (on an issue or pull request, and in the labels API). */
export function label(apiUrl: string, fullName: string, name: string): PullRequest['labels'][number] {
  const id = userIdFor(`label:${fullName}:${name}`);
  return {
    id,
    node_id: nodeId('LA', id),
    url: `${apiUrl}/repos/${fullName}/labels/${encodeURIComponent(name)}`,
    name,
    description: null,
    color: 'ededed',
    default: false,
  };
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_kwDO${Buffer.from(String(id)).toString('base64url')}`;
}

export function simpleUser(apiUrl: string, login: string, type: 'Bot' | 'User' | 'Organization' = 'User'): SimpleUser {
  const id = userIdFor(login);
  const api = `${apiUrl}/users/${encodeURIComponent(login)}`;
  const isActionsBot = login === ACTIONS_BOT.login;
  return {
    login,
    id,
    node_id: isActionsBot ? ACTIONS_BOT.nodeId : Buffer.from(`04:${type}${id}`).toString('base64'),
    avatar_url: isActionsBot
      ? `https://avatars.githubusercontent.com/in/${ACTIONS_APP_ID}?v=4`
      : `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: isActionsBot ? `${WEB_URL}/apps/github-actions` : `${WEB_URL}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** GET /user for a user token: the private view of the authenticated user. */
export function privateUser(apiUrl: string, login: string): PrivateUser {
  return {
    ...simpleUser(apiUrl, login, 'User'),
    user_view_type: 'private',
    name: login,
    company: null,
    blog: '',
    location: null,
    email: null,
    notification_email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 3,
    public_gists: 0,
    followers: 1,
    following: 0,
    created_at: '2015-03-14T09:26:53Z',
    updated_at: '2024-11-02T17:40:12Z',
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 1024,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: 'free', space: 976562499, collaborators: 0, private_repos: 10000 },
  };
}

/** The GitHub Actions app, which owns check runs created with GITHUB_TOKEN. */
export function actionsApp(apiUrl: string): Integration {
  return {
    id: ACTIONS_APP_ID,
    slug: 'github-actions',
    node_id: 'MDM6QXBwMTUzNjg=',
    client_id: 'Iv1.05c79e9ad1f6bdfa',
    owner: simpleUser(apiUrl, 'github', 'Organization'),
    name: 'GitHub Actions',
    description: 'Automate your workflow from idea to production',
    external_url: 'https://help.github.com/en/actions',
    html_url: `${WEB_URL}/apps/github-actions`,
    created_at: '2018-07-30T09:30:17Z',
    updated_at: '2024-04-10T20:33:16Z',
    permissions: {
      actions: 'write',
      checks: 'write',
      contents: 'write',
      issues: 'write',
      metadata: 'read',
      pull_requests: 'write',
      statuses: 'write',
    },
    events: ['check_run', 'check_suite', 'pull_request', 'push', 'workflow_dispatch'],
  };
}

export function repository(apiUrl: string, owner: string, name: string, id: number, fork = false): Repository {
  const api = `${apiUrl}/repos/${owner}/${name}`;
  const html = `${WEB_URL}/${owner}/${name}`;
  const created = '2023-01-09T12:00:00Z';
  return {
    id,
    node_id: Buffer.from(`010:Repository${id}`).toString('base64'),
    name,
    full_name: `${owner}/${name}`,
    private: false,
    owner: simpleUser(apiUrl, owner, fork ? 'User' : 'Organization'),
    html_url: html,
    description: fork ? `Fork of ${name}` : 'Gauntlet test repository',
    fork,
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
    created_at: created,
    updated_at: created,
    pushed_at: created,
    git_url: `git://github.com/${owner}/${name}.git`,
    ssh_url: `git@github.com:${owner}/${name}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    homepage: null,
    size: 2048,
    stargazers_count: 0,
    watchers_count: 0,
    language: 'TypeScript',
    has_issues: !fork,
    has_projects: true,
    has_downloads: true,
    has_wiki: false,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: 0,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: 'public',
    forks: 0,
    open_issues: 0,
    watchers: 0,
    default_branch: 'main',
  };
}

/** Comment author association as GitHub computes it for a public repository. */
export function authorAssociation(login: string, owner: string): IssueComment['author_association'] {
  if (login === owner) return 'OWNER';
  return login.endsWith('[bot]') ? 'NONE' : 'CONTRIBUTOR';
}

export { nodeId };
