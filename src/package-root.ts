import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The package's root directory: the nearest ancestor of this file whose package.json is ours. Works the same from
 * src/ (tsx), dist/src/ (compiled) and node_modules/chart-img-mcp/ (installed), wherever the checkout lives.
 */
function findPackageRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'chart-img-mcp') return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error('chart-img-mcp: cannot find its package.json above ' + fileURLToPath(import.meta.url))
    dir = parent
  }
}

export const PACKAGE_ROOT = findPackageRoot()
