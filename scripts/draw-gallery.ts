/**
 * The gallery's one render loop, shared by scripts/gallery.ts (bundled data) and scripts/gallery-market.ts (online
 * providers): draws each picture with the embedded engine, writes it to `outDir` (whose old PNGs it removes first)
 * and writes a README that shows each picture next to the `generate_chart` arguments that made it.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateChartInput, normalizeChartRequest, type GenerateChartArgs } from '../src/chart/request.js'
import type { ChartEngine } from '../src/chart/engine.js'

/** One picture of a gallery: its file name in `outDir`, its heading, and the tool arguments that draw it. */
export interface GalleryPicture { file: string, title: string, args: Record<string, unknown> }

export interface GalleryOptions {
  outDir: string
  /** The engine that draws (the caller creates and closes it). */
  engine: ChartEngine
  pictures: GalleryPicture[]
  /** The README's opening lines: its title and what the pictures are. */
  intro: string[]
  /** A line under every picture (the market gallery says its prices are synthetic). */
  caption?: string
}

export async function drawGallery ({ outDir, engine, pictures, intro, caption }: GalleryOptions): Promise<void> {
  await mkdir(outDir, { recursive: true })
  for (const name of await readdir(outDir)) if (name.endsWith('.png')) await rm(join(outDir, name))
  const sections: string[] = []
  for (const picture of pictures) {
    const request = normalizeChartRequest(generateChartInput.parse(picture.args as GenerateChartArgs), { storage: false })
    const result = await engine.render(request, { signal: AbortSignal.timeout(60_000), onStage: () => {} })
    if (result.kind !== 'image') throw new Error('the local engine returned no image')
    await writeFile(join(outDir, picture.file), result.data)
    const notes = result.notes.length > 0 ? `Notes: ${result.notes.join('; ')}` : undefined
    console.log(`${picture.file}  ${result.width}×${result.height}  ${result.data.length} bytes${notes === undefined ? '' : `  ${notes}`}`)
    sections.push([
      `## ${picture.title}`,
      '',
      `![${picture.title}](${picture.file})`,
      '',
      ...(caption === undefined ? [] : [caption, '']),
      '```json',
      JSON.stringify(picture.args),
      '```',
      ...(notes === undefined ? [] : ['', notes]),
      ''
    ].join('\n'))
  }
  await writeFile(join(outDir, 'README.md'), [...intro, '', ...sections].join('\n'))
  console.log(`wrote ${pictures.length} pictures and README.md to ${outDir}`)
}
