/**
 * Helpers for the install tests: pack the checkout, install it globally into a temporary prefix with the real npm,
 * and describe the installed command. Every npm run happens in a directory outside the repository.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const PACKAGE_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version

/**
 * The environment for npm: the caller's, minus npm_* variables (when the suite runs under `npm test`, npm's own
 * npm_config_prefix/global/… would redirect the install) and minus this project's settings.
 */
export function npmEnv (extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(key) && !/^(CHART_IMG_|AUTH_TOKEN|REDIS_URL|DATA_DIR|PORT$|HOST$)/.test(key)) env[key] = value
  }
  return { ...env, ...extra }
}

/**
 * better-sqlite3 installs with `prebuild-install || node-gyp rebuild`; its prebuilt download is unreachable here, so
 * every install would compile SQLite (~60 s). prebuild-install first looks in its `local-prebuilds` folder for
 * `<name>-v<version>-node-v<abi>-<platform>-<arch>.tar.gz` (prebuild-install/util.js, localPrebuild): this packs the
 * addon the checkout already built into that shape, and names the folder in a `.prebuild-installrc` in `prefixParent`
 * (prebuild-install reads its settings with `rc`, which searches every directory above the installing package). An
 * environment variable would not do: npm runs install scripts through sh, which drops `prebuild-install_…` names,
 * and npm warns about unknown `npm_config_…` ones. If npm resolves another better-sqlite3 version, the name does not
 * match and the install compiles as a user's would — slower, still correct.
 */
export async function makeLocalPrebuild (dir: string, prefixParent: string): Promise<void> {
  const moduleDir = join(REPO_ROOT, 'node_modules', 'better-sqlite3')
  const { version } = JSON.parse(readFileSync(join(moduleDir, 'package.json'), 'utf8')) as { version: string }
  const stage = join(dir, 'stage')
  mkdirSync(join(stage, 'build', 'Release'), { recursive: true })
  copyFileSync(join(moduleDir, 'build', 'Release', 'better_sqlite3.node'), join(stage, 'build', 'Release', 'better_sqlite3.node'))
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
  await run('tar', ['-C', stage, '-czf', join(dir, name), 'build'])
  writeFileSync(join(prefixParent, '.prebuild-installrc'), JSON.stringify({ 'local-prebuilds': dir }))
}

/** `npm pack` of the checkout (its `prepare` script builds dist/ first); returns the tarball's path. */
export async function packRepository (destination: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--pack-destination', destination, REPO_ROOT], { cwd: destination, env: npmEnv() })
  const name = stdout.trim().split('\n').at(-1) ?? ''
  return join(destination, basename(name))
}

/** `npm install -g --prefix <prefix> <spec>` from `cwd`; returns the installed command's path. */
export async function installGlobally (spec: string, options: { prefix: string, cwd: string }): Promise<string> {
  await run('npm', ['install', '-g', '--prefix', options.prefix, '--prefer-offline', '--no-audit', '--no-fund', spec], {
    cwd: options.cwd,
    env: npmEnv(),
    maxBuffer: 16 * 1024 * 1024
  })
  return process.platform === 'win32' ? join(options.prefix, 'chart-img-mcp.cmd') : join(options.prefix, 'bin', 'chart-img-mcp')
}

/**
 * The environment the installed command runs with: a fresh HOME (so the per-user data directory is a temp dir), node
 * on PATH (the bin's `#!/usr/bin/env node`), nothing of the project's configuration.
 */
export function commandEnv (home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: home,
    RENDER_WORKERS: '1',
    ...extra
  }
}
