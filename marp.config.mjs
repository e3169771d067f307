// Marp CLI configuration used by build.py (`marp --config-file marp.config.mjs ...`).
//
// The rendered deck must work offline. By default Marp loads KaTeX's fonts from a CDN and
// the gaia theme @imports its web fonts (Lato, Roboto Mono) from a font service; here both
// point at local copies instead. build.py copies the font folders of the npm packages
// (katex, @fontsource/lato, @fontsource/roboto-mono) to `fonts/<family>/` next to the
// rendered HTML, and every URL below is relative to that HTML file.
import { readFileSync } from 'node:fs'

// @font-face rules of the gaia theme's two web fonts, from the @fontsource packages.
const FONT_CSS = {
  lato: ['400.css', '400-italic.css', '900.css', '900-italic.css'],
  'roboto-mono': ['400.css', '700.css'],
}

const localFontFaces = () =>
  Object.entries(FONT_CSS)
    .flatMap(([family, files]) =>
      files.map((file) =>
        readFileSync(
          new URL(`./node_modules/@fontsource/${family}/${file}`, import.meta.url),
          'utf8',
        ).replaceAll('url(./files/', `url(fonts/${family}/`),
      ),
    )
    .join('\n')

// The built-in gaia theme with its remote @import replaced by the local @font-face rules.
const offlineGaia = (marp) => {
  const gaia = marp.themeSet.get('gaia')
  const css = gaia.css.replace(/@import\s+(url\()?["']?https?:[^;]*;/g, '')
  if (css === gaia.css) throw new Error('marp.config.mjs: gaia no longer @imports a web font')
  marp.themeSet.add(`${localFontFaces()}\n${css}`)
  return marp
}

export default {
  allowLocalFiles: true,
  options: {
    math: { lib: 'katex', katexFontPath: 'fonts/katex/' },
    emoji: { shortcode: true, unicode: false },
  },
  engine: ({ marp }) => offlineGaia(marp),
}
