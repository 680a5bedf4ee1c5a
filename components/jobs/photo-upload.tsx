'use client';

import { ImageUp } from 'lucide-react';
import { useId, useRef, useState, type DragEvent } from 'react';
import { IMAGE_HEADER_BYTES, readImageInfo } from '@/lib/images/image-info';
import { PRODUCT_PHOTO_RULES, productPhotoProblems } from '@/lib/images/product-photo-rules';
import type { ActionResult } from './use-jobs-dashboard';

interface PhotoUploadProps {
  disabled: boolean;
  onUpload: (file: File) => Promise<ActionResult>;
}

/**
 * Pick or drop a product photo. The file is checked in the browser first (type and pixel size read from its
 * bytes, size limit) so a wrong file gets a clear message before anything is sent.
 */
export function PhotoUpload({ disabled, onUpload }: PhotoUploadProps) {
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [dragging, setDragging] = useState(false);

  async function accept(file: File | undefined) {
    if (!file || disabled || pending) return;
    setError(null);
    const info = readImageInfo(new Uint8Array(await file.slice(0, IMAGE_HEADER_BYTES).arrayBuffer()));
    const problems = productPhotoProblems(file, info);
    if (problems.length > 0) {
      setError(problems.join(' '));
      return;
    }
    setPending(true);
    const result = await onUpload(file);
    setPending(false);
    if (!result.ok) setError(result.error instanceof Error ? result.error.message : 'The upload failed.');
    if (input.current) input.current.value = '';
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    void accept(event.dataTransfer.files[0]);
  }

  const maxMb = PRODUCT_PHOTO_RULES.maxBytes / (1024 * 1024);
  return (
    <div className="space-y-2">
      <div
        data-testid="photo-drop-zone"
        onDragOver={(event) => {
          event.preventDefault();
          if (!disabled) setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        // The file input is visually hidden: show keyboard focus on the whole drop zone instead.
        className={`rounded-md border-2 border-dashed p-4 text-center text-sm focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-indigo-600 ${
          dragging ? 'border-indigo-600 bg-indigo-50' : 'border-slate-300 bg-slate-50'
        } ${disabled ? 'opacity-60' : ''}`}
      >
        <ImageUp aria-hidden="true" className="mx-auto mb-2 size-6 text-slate-500" />
        <label htmlFor={inputId} className="cursor-pointer font-medium text-indigo-700 underline-offset-2 hover:underline">
          {pending ? 'Uploading…' : 'Choose a product photo'}
        </label>
        <span className="text-slate-700"> or drop it here</span>
        <input
          ref={input}
          id={inputId}
          type="file"
          aria-label="Product photo"
          accept={PRODUCT_PHOTO_RULES.types.join(',')}
          disabled={disabled || pending}
          aria-describedby={error ? `${hintId} ${errorId}` : hintId}
          aria-invalid={error ? true : undefined}
          onChange={(event) => void accept(event.target.files?.[0])}
          className="sr-only"
        />
        <p id={hintId} className="mt-1 text-xs text-slate-600">
          PNG, JPEG or WebP, up to {maxMb} MB, {PRODUCT_PHOTO_RULES.minDimension}–{PRODUCT_PHOTO_RULES.maxDimension} pixels a side.
        </p>
      </div>
      {error && (
        <p id={errorId} role="alert" className="text-sm text-red-800">
          {error}
        </p>
      )}
    </div>
  );
}
