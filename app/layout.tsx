import type { Metadata } from 'next';
import { connection } from 'next/server';
import type { CSSProperties, ReactNode } from 'react';
import { Toaster } from 'sonner';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'commerce-pix · generation jobs', template: '%s · commerce-pix' },
  description: 'Create, run and watch AI product-photo generation jobs on Supabase.',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page renders per request: the CSP nonce (proxy.ts) is new each time, and a page prerendered at
  // build time would carry scripts without it.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        {children}
        {/* sonner's rich colours miss WCAG AA contrast on their pale backgrounds (4.3:1): darker text, 6:1 and up. */}
        <Toaster
          richColors
          closeButton
          position="top-right"
          style={
            {
              '--success-text': 'hsl(140, 100%, 22%)',
              '--info-text': 'hsl(210, 92%, 32%)',
              '--warning-text': 'hsl(31, 92%, 28%)',
              '--error-text': 'hsl(360, 100%, 35%)',
            } as CSSProperties
          }
        />
      </body>
    </html>
  );
}
