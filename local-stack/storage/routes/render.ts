import { queryOf, type StorageHandler } from '../context.ts';
import { imageResponse, transformFromQuery } from '../render.ts';
import { readableObject } from './object.ts';

/** `/render/image/{authenticated|public}/{bucket}/{name}?width=&height=&resize=&quality=&format=` */
export const renderRoute =
  (access: 'public' | 'authenticated'): StorageHandler =>
  async (ctx, request, params) => {
    const query = queryOf(request);
    const transform = transformFromQuery(query);
    const object = await readableObject(ctx, request, params, access);
    return imageResponse(request, ctx.disk, object, transform, { download: query.get('download') });
  };
