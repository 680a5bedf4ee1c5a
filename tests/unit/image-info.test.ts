import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { IMAGE_HEADER_BYTES, readImageInfo } from '../../lib/images/image-info.ts';
import { productPhotoProblems } from '../../lib/images/product-photo-rules.ts';

/** Real image files made with sharp: the header reader must agree with libvips on type and size. */
const make = (width: number, height: number, alpha = false) =>
  sharp({ create: { width, height, channels: alpha ? 4 : 3, background: alpha ? { r: 10, g: 200, b: 30, alpha: 0.5 } : '#4a7' } });

describe('readImageInfo', () => {
  const cases: [string, () => Promise<Buffer>, string, string][] = [
    ['PNG', () => make(321, 123).png().toBuffer(), 'image/png', 'png'],
    ['PNG with alpha', () => make(17, 900, true).png().toBuffer(), 'image/png', 'png'],
    ['baseline JPEG', () => make(640, 480).jpeg().toBuffer(), 'image/jpeg', 'jpg'],
    ['progressive JPEG with EXIF', () => make(1001, 77).withMetadata({ orientation: 1 }).jpeg({ progressive: true }).toBuffer(), 'image/jpeg', 'jpg'],
    ['lossy WebP (VP8)', () => make(333, 222).webp({ quality: 60 }).toBuffer(), 'image/webp', 'webp'],
    ['lossless WebP (VP8L)', () => make(129, 65).webp({ lossless: true }).toBuffer(), 'image/webp', 'webp'],
    ['WebP with alpha (VP8X)', () => make(300, 40, true).webp({ quality: 80 }).withMetadata().toBuffer(), 'image/webp', 'webp'],
  ];

  it.each(cases)('reads %s', async (_label, build, mimeType, extension) => {
    const bytes = await build();
    const expected = await sharp(bytes).metadata();
    expect(readImageInfo(new Uint8Array(bytes))).toEqual({ mimeType, extension, width: expected.width, height: expected.height });
  });

  it('needs only the first bytes of a large file', async () => {
    const bytes = await make(3000, 2000).jpeg({ quality: 95 }).toBuffer();
    expect(bytes.length).toBeGreaterThan(IMAGE_HEADER_BYTES / 8);
    expect(readImageInfo(new Uint8Array(bytes.subarray(0, 4096)))).toMatchObject({ width: 3000, height: 2000 });
  });

  it('refuses what is not a PNG, JPEG or WebP, whatever it is called', async () => {
    const gif = await make(10, 10).gif().toBuffer();
    const samples = [
      new Uint8Array(0),
      new TextEncoder().encode('%PDF-1.7 not an image'),
      new Uint8Array(gif),
      new Uint8Array((await make(10, 10).png().toBuffer()).subarray(0, 20)), // truncated before IHDR's size
      new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 4, 0, 0]), // scan data before any frame header
      new TextEncoder().encode('RIFF\0\0\0\0WAVEfmt '),
    ];
    for (const sample of samples) expect(readImageInfo(sample)).toBeNull();
  });
});

describe('productPhotoProblems', () => {
  const info = { mimeType: 'image/png' as const, extension: 'png' as const, width: 800, height: 600 };
  it('accepts a normal photo and explains every refusal', () => {
    expect(productPhotoProblems({ size: 1000 }, info)).toEqual([]);
    expect(productPhotoProblems({ size: 0 }, info)).toEqual(['The file is empty.']);
    expect(productPhotoProblems({ size: 11 * 1024 * 1024 }, info)[0]).toMatch(/11\.0 MB; product photos can be at most 10\.0 MB/);
    expect(productPhotoProblems({ size: 1000 }, null)[0]).toMatch(/not a PNG, JPEG or WebP/);
    expect(productPhotoProblems({ size: 1000 }, { ...info, width: 20 })[0]).toMatch(/at least 64×64/);
    expect(productPhotoProblems({ size: 1000 }, { ...info, height: 9000 })[0]).toMatch(/at most 8000×8000/);
  });
});
