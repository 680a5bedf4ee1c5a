/** Behind images that may be transparent (cut-outs): a light checkerboard, as image editors show it. */
export const CHECKERBOARD_CLASS =
  'bg-white bg-[length:16px_16px] bg-[conic-gradient(#e2e8f0_25%,#ffffff_0_50%,#e2e8f0_0_75%,#ffffff_0)]';
