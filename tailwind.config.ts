// Tailwind CSS 4 reads its configuration from CSS (app/globals.css, `@theme`); this file is loaded
// from there with `@config` for the content paths and the few design tokens shared by the app.
import type { Config } from 'tailwindcss';

const config: Config = {
  content: ['./app/**/*.{ts,tsx}', './components/**/*.{ts,tsx}'],
  theme: {
    extend: {
      fontFamily: {
        sans: ['ui-sans-serif', 'system-ui', '-apple-system', 'Segoe UI', 'Roboto', 'sans-serif'],
      },
    },
  },
};

export default config;
