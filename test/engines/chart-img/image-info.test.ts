import t from 'tap'
import { imageInfo } from '../../../src/engines/chart-img/image-info.js'
import { imageBytes } from '../../support/fake-chart-img.js'

t.test('PNG and JPEG sizes are read from their headers', async (t) => {
  t.same(imageInfo(imageBytes('png', 321, 123)), { mimeType: 'image/png', width: 321, height: 123 })
  t.same(imageInfo(imageBytes('jpeg', 64, 48)), { mimeType: 'image/jpeg', width: 64, height: 48 })
})

t.test('anything else is not an image', async (t) => {
  t.equal(imageInfo(Buffer.from('<html></html>')), null)
  t.equal(imageInfo(Buffer.alloc(0)), null)
  t.same(imageInfo(Buffer.from([0xff, 0xd8, 0xff, 0xd9])), { mimeType: 'image/jpeg', width: null, height: null }, 'a JPEG without a frame header has no size')
})
