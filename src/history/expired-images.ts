import type { ImageStore } from './types.js'

/**
 * Deletes the images of pruned history rows, all at once. A file that cannot be deleted is logged and left (the row
 * is gone either way; the next prune does not see it again): pruning never fails because of one image.
 */
export async function removeExpiredImages (images: ImageStore, files: Array<string | null>, log: { warn: (obj: object, msg: string) => void }): Promise<void> {
  await Promise.all(files.map(async (file) => {
    if (file === null) return
    await images.remove(file).catch((error: unknown) => { log.warn({ err: error, file }, 'could not delete an expired chart image') })
  }))
}
