/**
 * Colour contrast as WCAG 2.2 defines it, for checking what a webview renders
 * in each theme: https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio and
 * https://www.w3.org/TR/WCAG22/#dfn-relative-luminance. Pure: the page only
 * reports computed colours (see `renderedColours`), the arithmetic is here.
 */

/** A colour with channels 0-255 and alpha 0-1. */
export interface Rgba {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly a: number;
}

/** Parses what `getComputedStyle` and CSS variables give: `rgb()`, `rgba()`, `color(srgb ...)`, `#rgb`, `#rrggbb`, `#rrggbbaa`, `transparent`. */
export function parseCssColor(text: string): Rgba {
  const value = text.trim().toLowerCase();
  if (value === 'transparent' || value === '') return { r: 0, g: 0, b: 0, a: 0 };
  const hex = /^#([0-9a-f]{3,8})$/.exec(value)?.[1];
  if (hex && [3, 4, 6, 8].includes(hex.length)) {
    const digits = hex.length <= 4 ? [...hex].map((d) => d + d) : hex.match(/../g)!;
    const [r, g, b, a = 'ff'] = digits as [string, string, string, string?];
    return { r: parseInt(r, 16), g: parseInt(g, 16), b: parseInt(b, 16), a: parseInt(a, 16) / 255 };
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(value);
  if (rgb) return { r: Number(rgb[1]), g: Number(rgb[2]), b: Number(rgb[3]), a: alpha(rgb[4]) };
  const srgb = /^color\(srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)(?:\s*\/\s*([\d.]+%?))?\s*\)$/.exec(value);
  if (srgb) return { r: Number(srgb[1]) * 255, g: Number(srgb[2]) * 255, b: Number(srgb[3]) * 255, a: alpha(srgb[4]) };
  throw new Error(`Not a colour this check understands: "${text}"`);
}

function alpha(text: string | undefined): number {
  if (text === undefined) return 1;
  return text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
}

/** `top` painted over `bottom` (source-over compositing). */
export function over(top: Rgba, bottom: Rgba): Rgba {
  const a = top.a + bottom.a * (1 - top.a);
  if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
  const mix = (t: number, b: number) => (t * top.a + b * bottom.a * (1 - top.a)) / a;
  return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a };
}

/** WCAG relative luminance of an opaque colour. */
export function relativeLuminance(c: Rgba): number {
  const channel = (v: number) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

/** Contrast ratio of two opaque colours, 1 to 21. */
export function contrastRatio(a: Rgba, b: Rgba): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** What the page reports for one element: its text colour and the backgrounds from it up to the root, innermost first. */
export interface RenderedColours {
  readonly text: string;
  readonly color: string;
  readonly backgrounds: readonly string[];
}

/**
 * The contrast of an element's text against what is really behind it: its
 * own and its ancestors' backgrounds, composited from `backdrop` (the colour
 * the page is drawn on) upwards; a semi-transparent text colour is composited too.
 */
export function renderedContrast(element: RenderedColours, backdrop: string): number {
  let background = parseCssColor(backdrop);
  if (background.a < 1) background = over(background, { r: 255, g: 255, b: 255, a: 1 });
  for (const layer of [...element.backgrounds].reverse()) background = over(parseCssColor(layer), background);
  return contrastRatio(over(parseCssColor(element.color), background), background);
}
