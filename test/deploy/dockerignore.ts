import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What `docker build` sends as its context, as Docker decides it from .dockerignore (moby's
 * patternmatcher and the context walk of pkg/archive and fsutil), since no engine runs
 * here:
 * - patterns are Go filepath.Match globs plus `**`, matched against the whole relative
 *   path or any of its parent folders; the last pattern that matches wins, `!` re-includes;
 * - an excluded folder is walked into only when some `!` pattern's text starts with the
 *   folder's path, so `!a/*` + `/b` finds nothing inside an excluded `a/x/`.
 */
export interface DockerIgnore {
  patterns: { text: string; exception: boolean; re: RegExp }[];
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseDockerIgnore(text: string): DockerIgnore {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const exception = l.startsWith('!');
      const t = path.posix.normalize((exception ? l.slice(1) : l).trim()).replace(/^\/+/, '').replace(/\/$/, '');
      return { text: t, exception, re: globToRegExp(t) };
    });
  return { patterns };
}

/** Whether the patterns exclude this path (moby's MatchesOrParentMatches). */
function excluded(di: DockerIgnore, rel: string): boolean {
  const parents = rel.split('/').slice(0, -1);
  let matched = false;
  for (const p of di.patterns) {
    if (p.exception !== matched) continue;
    let hit = p.re.test(rel);
    for (let i = 1; !hit && i <= parents.length; i++) hit = p.re.test(parents.slice(0, i).join('/'));
    if (hit) matched = !p.exception;
  }
  return matched;
}

/** Whether a file at this relative path is in the build context (the walk's folder rule included). */
export function inContext(di: DockerIgnore, rel: string): boolean {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    if (excluded(di, dir) && !di.patterns.some((p) => p.exception && `${p.text}/`.startsWith(`${dir}/`))) return false;
  }
  return !excluded(di, rel);
}

/** Every file below root that would be in the context (node_modules and .git are not walked: nothing re-includes them). */
export function contextFiles(di: DockerIgnore, root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return; // removed meanwhile (other tests write under data/)
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (r === 'node_modules' || r === '.git') continue;
        walk(r);
      } else if (inContext(di, r)) out.push(r);
    }
  };
  walk('');
  return out.sort();
}
