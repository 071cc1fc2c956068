/**
 * Chart images as files in one directory: DATA_DIR/charts on a single instance, or IMAGE_DIR when several instances
 * share a mounted volume (NFS, a cloud file store) beside Redis.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { TEMPORARY_SUFFIX } from './data-dir.js'
import type { ImageStore } from './types.js'

export function createDirectoryImageStore (dir: string): ImageStore & { readonly dir: string } {
  return {
    dir,
    async save (file, data) {
      const target = join(dir, file)
      // Write then rename, so /charts/<file> never serves a half-written image.
      const temporary = `${target}.${process.pid}${TEMPORARY_SUFFIX}`
      try {
        // Recreated if an operator (or a cleanup job) removed it while the server ran. One level only: DATA_DIR
        // itself was checked at start (src/history/data-dir.ts); a recursive mkdir reports ENOENT for a read-only disk.
        await mkdir(dir).catch((error: NodeJS.ErrnoException) => { if (error.code !== 'EEXIST') throw error })
        await writeFile(temporary, data)
        await rename(temporary, target)
      } catch (error) {
        // ENOSPC half-way through leaves a partial file: never keep it (the start-up sweep is the second net).
        await rm(temporary, { force: true }).catch(() => {})
        throw error
      }
    },
    async read (file) {
      try {
        return await readFile(join(dir, file))
      } catch {
        return null
      }
    },
    async remove (file) {
      await rm(join(dir, file), { force: true })
    },
    fileUrl: (file) => pathToFileURL(join(dir, file)).href
  }
}
