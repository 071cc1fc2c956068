/**
 * A small real file system for disk-failure tests: a tmpfs of `sizeKiB` mounted on a fresh directory (needs root
 * and mount rights; `available()` says whether this machine has them, so tests can skip with the reason).
 * `fill()` takes every free block, `free()` gives them back, `readOnly(true|false)` remounts.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface SmallDisk {
  dir: string
  fill: () => void
  free: () => void
  /** Remounts the whole disk (only possible while no file on it is open for writing, e.g. before the app starts). */
  readOnly: (on: boolean) => void
  /**
   * Makes one directory of the disk read-only (a read-only bind mount over it) while the rest stays writable: Linux
   * refuses to remount a file system read-only while a file on it is open for writing (the SQLite database).
   */
  readOnlyDir: (sub: string, on: boolean) => void
  unmount: () => void
}

export function smallDiskAvailable (): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'small-disk-probe-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' })
    execFileSync('umount', [dir], { stdio: 'pipe' })
    return null
  } catch (error) {
    return `cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]}); needs root with mount rights`
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export function mountSmallDisk (sizeKiB: number): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), 'small-disk-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { stdio: 'pipe' })
  const filler = join(dir, 'filler.bin')
  let mounted = true
  return {
    dir,
    fill () {
      const fd = openSync(filler, 'a')
      const block = Buffer.alloc(4096, 1)
      try {
        for (;;) writeSync(fd, block)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
      } finally {
        closeSync(fd)
      }
    },
    free () { writeFileSync(filler, '') },
    readOnly (on) {
      execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, dir], { stdio: 'pipe' })
    },
    readOnlyDir (sub, on) {
      const target = join(dir, sub)
      if (on) {
        execFileSync('mount', ['--bind', target, target], { stdio: 'pipe' })
        execFileSync('mount', ['-o', 'remount,bind,ro', target], { stdio: 'pipe' })
      } else {
        execFileSync('umount', [target], { stdio: 'pipe' })
      }
    },
    unmount () {
      if (!mounted) return
      mounted = false
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
