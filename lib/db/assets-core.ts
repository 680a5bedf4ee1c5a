import type { DbClient } from './client-binding';
import { fromStorageError, NotFoundError, UnauthenticatedError, ValidationError } from './errors';
import { newUploadSchema, thumbnailOptionsSchema, uuidSchema, type Asset, type NewUpload, type ThumbnailOptions } from './job-types';
import { ASSET_COLUMNS } from './projects-core';
import { parseInput, unwrap } from './query-result';
import { hasVisibleText } from './text-rules';
import { IMAGE_HEADER_BYTES, readImageInfo } from '../images/image-info';
import { productPhotoProblems } from '../images/product-photo-rules';

/**
 * Asset files in Supabase Storage, in the same shape as the other helpers: each takes the client first and
 * works with the browser client (uploads straight from the page) and the server client alike. Storage's
 * policies (a user's own `{user_id}/…` folder) and the assets table's checks enforce the rules; these
 * functions fail earlier with clearer messages and keep the two in step.
 */

export const PRODUCT_IMAGES_BUCKET = 'product-images';

/** The signed-in user's id, from the session's verified claims. */
async function currentUserId(client: DbClient): Promise<string> {
  const { data, error } = await client.auth.getClaims();
  const sub = data?.claims.sub;
  if (error || !sub) throw new UnauthenticatedError('Sign in to upload files');
  return sub;
}

/**
 * Uploads a product photo into a project and records it as an input asset. The type and pixel size are read
 * from the file's bytes (a renamed PDF is refused), size and dimensions are checked before any byte is sent,
 * and the asset row is created only after the upload succeeded; if that insert fails, the object is removed
 * again, so a failure leaves nothing behind.
 */
export async function uploadAsset(client: DbClient, upload: NewUpload): Promise<Asset> {
  const { file, ...fields } = upload;
  const input = parseInput(newUploadSchema, fields, 'upload');
  if (!(file instanceof Blob)) throw new ValidationError('Invalid upload: file must be a File or Blob', {}, { file: ['file must be a File or Blob'] });
  const info = readImageInfo(new Uint8Array(await file.slice(0, IMAGE_HEADER_BYTES).arrayBuffer()));
  const problems = productPhotoProblems(file, info);
  if (problems.length > 0 || !info) {
    throw new ValidationError(problems.join(' '), {}, { file: problems });
  }
  const userId = await currentUserId(client);
  const fileName = 'name' in file && typeof file.name === 'string' && hasVisibleText(file.name) ? file.name.trim() : `photo.${info.extension}`;
  const storagePath = `${userId}/${input.project_id}/${crypto.randomUUID()}.${info.extension}`;
  const bucket = client.storage.from(PRODUCT_IMAGES_BUCKET);
  // storage-js sends a Blob as multipart with the Blob's own type (the browser guesses it from the name):
  // re-wrap it so Storage records the type read from the bytes.
  const body = new Blob([file], { type: info.mimeType });
  const stored = await bucket.upload(storagePath, body, { contentType: info.mimeType, cacheControl: '3600', upsert: false });
  if (stored.error) throw fromStorageError(stored.error);
  const inserted = await client
    .from('assets')
    .insert({
      project_id: input.project_id,
      name: (input.name ?? fileName).slice(0, 200),
      storage_path: storagePath,
      bucket: PRODUCT_IMAGES_BUCKET,
      kind: 'input',
      mime_type: info.mimeType,
      size_bytes: file.size,
      width: info.width,
      height: info.height,
    })
    .select(ASSET_COLUMNS)
    .single();
  if (inserted.error) {
    await bucket.remove([storagePath]);
    return unwrap(inserted);
  }
  return inserted.data;
}

/** Deletes an asset: its file first (so a retry can finish the job), then its row. */
export async function deleteAsset(client: DbClient, id: string): Promise<void> {
  const assetId = parseInput(uuidSchema, id, 'asset id');
  const asset = unwrap(await client.from('assets').select('id, bucket, storage_path').eq('id', assetId).maybeSingle());
  if (!asset) throw new NotFoundError(`asset ${assetId} not found`);
  if (asset.bucket) {
    const removed = await client.storage.from(asset.bucket).remove([asset.storage_path]);
    if (removed.error) throw fromStorageError(removed.error);
  }
  const rows = unwrap(await client.from('assets').delete().eq('id', assetId).select('id'));
  if (rows.length === 0) throw new NotFoundError(`asset ${assetId} not found`);
}

/**
 * Short-lived signed URLs of square thumbnails (rendered by Storage's image transformation), by asset id.
 * Assets without a stored file (rows made before uploads existed) get no entry.
 */
export async function getAssetThumbnailUrls(
  client: DbClient,
  assets: Pick<Asset, 'id' | 'bucket' | 'storage_path'>[],
  options?: ThumbnailOptions,
): Promise<Record<string, string>> {
  const { size, expiresIn } = parseInput(thumbnailOptionsSchema, options, 'thumbnail options');
  const entries = await Promise.all(
    assets
      .filter((asset) => asset.bucket)
      .map(async (asset) => {
        const { data } = await client.storage
          .from(asset.bucket!)
          .createSignedUrl(asset.storage_path, expiresIn, { transform: { width: size, height: size, resize: 'cover' } });
        return data ? ([asset.id, data.signedUrl] as const) : null;
      }),
  );
  return Object.fromEntries(entries.filter((entry) => entry !== null));
}

/**
 * Short-lived signed URLs of an asset's file as stored: `view` shows it (full size), `download` makes the
 * browser save it under the asset's name. Storage's policies decide: another user's asset signs nothing.
 */
export async function getAssetFileUrls(
  client: DbClient,
  asset: Pick<Asset, 'bucket' | 'storage_path' | 'name'>,
  options?: { expiresIn?: number },
): Promise<{ view: string; download: string }> {
  const { expiresIn } = parseInput(thumbnailOptionsSchema, { expiresIn: options?.expiresIn ?? 3600 }, 'file URL options');
  if (!asset.bucket) throw new NotFoundError(`asset “${asset.name}” has no stored file`);
  const bucket = client.storage.from(asset.bucket);
  const [view, download] = await Promise.all([
    bucket.createSignedUrl(asset.storage_path, expiresIn),
    bucket.createSignedUrl(asset.storage_path, expiresIn, { download: asset.name }),
  ]);
  if (view.error) throw fromStorageError(view.error);
  if (download.error) throw fromStorageError(download.error);
  return { view: view.data.signedUrl, download: download.data.signedUrl };
}

export const assetQueries = { uploadAsset, deleteAsset, getAssetThumbnailUrls, getAssetFileUrls };
