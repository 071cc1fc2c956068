/**
 * Gives the C heap's free pages back to the OS. glibc's malloc keeps memory that was freed in the middle of its heaps
 * (free() only ever returns the top of a heap), so after a connection storm — 10,000 SSE clients, each with its
 * sockets, parser and read buffers in native memory — the process stays about 40 % larger than before it, even though
 * all of that is free (bench/fanout.ts; the bare node:http baseline keeps it the same way). `malloc_trim(0)` releases
 * every whole free page. Node exposes no way to call it, so this goes through koffi, a maintained FFI library with
 * prebuilt binaries, and runs it on the libuv threadpool (`.async`) so the event loop never waits for it.
 * Returns null where it does not apply (no glibc: musl/Alpine, macOS, Windows) or where koffi cannot load.
 */
import { createRequire } from 'node:module'

/** Resolves true when memory was released to the OS. */
export type TrimNativeMemory = () => Promise<boolean>

interface KoffiFunction {
  async: (pad: number, callback: (error: unknown, released: number) => void) => void
}
interface Koffi {
  load: (path: string) => { func: (signature: string) => KoffiFunction }
}

export function loadMallocTrim (): TrimNativeMemory | null {
  if (process.platform !== 'linux') return null
  let mallocTrim: KoffiFunction
  try {
    // Loaded lazily and through require: a missing or broken native binary must cost this feature, not the server.
    const koffi = createRequire(import.meta.url)('koffi') as Koffi
    mallocTrim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)')
  } catch {
    return null
  }
  return async () => await new Promise((resolve, reject) => {
    mallocTrim.async(0, (error, released) => { if (error === null || error === undefined) resolve(released === 1); else reject(error) })
  })
}
