import { spawn } from 'node:child_process';

/**
 * The command that opens a URL: GATEHOUSE_BROWSER, else BROWSER (the usual Unix convention), else the
 * platform's opener. A command may contain `%s` for the URL; otherwise the URL is its last argument.
 */
export function browserCommand(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const chosen = env.GATEHOUSE_BROWSER || env.BROWSER;
  if (chosen) return chosen;
  if (platform === 'darwin') return 'open';
  if (platform === 'win32') return 'start ""';
  return 'xdg-open';
}

/**
 * Opens `url` in a browser without waiting for it; returns false when no browser could be started (the
 * caller has printed the URL anyway). The URL is passed as an argument, never through a shell string.
 */
export function openBrowser(url: string): Promise<boolean> {
  const command = browserCommand();
  const isWin = process.platform === 'win32';
  const script = command.includes('%s') ? command.replaceAll('%s', isWin ? '%GATEHOUSE_OPEN_URL%' : '"$1"') : `${command} ${isWin ? '"%GATEHOUSE_OPEN_URL%"' : '"$1"'}`;
  const child = isWin
    ? spawn('cmd', ['/d', '/s', '/c', script], { stdio: 'ignore', detached: true, env: { ...process.env, GATEHOUSE_OPEN_URL: url }, windowsHide: true })
    : spawn('/bin/sh', ['-c', script, 'gatehouse-browser', url], { stdio: 'ignore', detached: true });
  return new Promise((resolve) => {
    child.once('error', () => resolve(false));
    child.once('spawn', () => { child.unref(); resolve(true); });
  });
}
