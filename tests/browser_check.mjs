// Open a deck rendered by Marp (bespoke HTML) in headless Chromium, screenshot every slide
// and report, as JSON on stdout, what tests/test_render.py checks:
//   slides:   per slide, its text length, image count, class, the elements that run off
//             the slide and off the content box inside the padding, the smallest font size
//             of its paragraphs and list items, and per image its displayed size, the
//             content box's size and the smallest text inside the figure, in screen pixels;
//             Also its ::before content (the result slides' badge) and its header text;
//   fonts:    every font face the page used, with its status (loaded / error);
//   remote:   requests that tried to leave the machine (the deck must work offline);
//   failed:   requests that failed (e.g. a missing image).
//
// usage: node tests/browser_check.mjs DECK.html OUT_DIR CHROMIUM_PATH
import { pathToFileURL } from 'node:url'
import puppeteer from 'puppeteer-core'

const [html, outDir, executablePath] = process.argv.slice(2)
const url = pathToFileURL(html).href
const args = ['--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
if (process.getuid?.() === 0) args.push('--no-sandbox')

const browser = await puppeteer.launch({ executablePath, headless: true, args })
const report = { slides: [], fonts: [], remote: [], failed: [] }
try {
  const page = await browser.newPage()
  page.on('request', (r) => {
    if (!/^(file|data|about|blob):/.test(r.url())) report.remote.push(r.url())
  })
  page.on('requestfailed', (r) => report.failed.push(`${r.url()} ${r.failure()?.errorText}`))
  await page.setViewport({ width: 1280, height: 720 })

  const show = async (n) => {
    await page.goto(`${url}#${n}`, { waitUntil: 'load' })
    await page.addStyleTag({ content: '.bespoke-marp-osc { display: none !important; }' })
    await page.evaluate(() => document.fonts.ready)
  }
  await show(1)
  const count = await page.evaluate(() => document.querySelectorAll('svg[data-marpit-svg]').length)

  for (let n = 1; n <= count; n++) {
    await show(n)
    report.slides.push(await page.evaluate(measure, n - 1))
    report.slides.at(-1).figures = await page.evaluate(figures, n - 1)
    await page.screenshot({ path: `${outDir}/slide-${String(n).padStart(3, '0')}.png` })
  }
  report.fonts = await page.evaluate(() =>
    [...document.fonts].filter((f) => f.status !== 'unloaded')
      .map((f) => ({ family: f.family, weight: f.weight, style: f.style, status: f.status })))
} finally {
  await browser.close()
}
console.log(JSON.stringify(report))

// Runs in the page: what slide `index` holds and which of its contents stick out. Contents
// are what is painted: text (the boxes of its glyph runs), images and inline SVG; element
// boxes are not used, since KaTeX positions zero-height boxes far from what they paint.
function measure(index) {
  const svg = document.querySelectorAll('svg[data-marpit-svg]')[index]
  const section = svg.querySelector('section')
  const box = section.getBoundingClientRect()
  const style = getComputedStyle(section)
  const pad = ['top', 'right', 'bottom', 'left'].map((s) => parseFloat(style[`padding-${s}`]))
  const inner = { top: box.top + pad[0], right: box.right - pad[1],
    bottom: box.bottom - pad[2], left: box.left + pad[3] }
  const outside = (r, b) => r.left < b.left - 1 || r.right > b.right + 1 ||
    r.top < b.top - 1 || r.bottom > b.bottom + 1
  const painted = []
  const walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || node.parentElement.closest('.katex-mathml')) continue
    const range = document.createRange()
    range.selectNodeContents(node)
    for (const r of range.getClientRects()) painted.push([node.textContent.trim(), r])
  }
  for (const e of section.querySelectorAll('img, svg')) {
    painted.push([`<${e.tagName.toLowerCase()}>`, e.getBoundingClientRect()])
  }
  const describe = ([what, r]) => `${Math.round(r.left)},${Math.round(r.top)}-` +
    `${Math.round(r.right)},${Math.round(r.bottom)}: ${what.slice(0, 40)}`
  const visible = painted.filter(([, r]) => r.width > 0 && r.height > 0)
  return {
    index,
    classes: [...section.classList],
    text: section.innerText.trim().length,
    images: section.querySelectorAll('img').length,
    offSlide: visible.filter(([, r]) => outside(r, box)).map(describe),
    offContent: visible.filter(([, r]) => outside(r, inner)).map(describe),
    width: box.width,
    height: box.height,
    badge: getComputedStyle(section, '::before').content,
    header: section.querySelector('header')?.innerText.trim() ?? '',
    bodyFontPx: Math.min(...[...section.querySelectorAll('p, li')]
      .filter((e) => e.innerText.trim() && !e.querySelector('img'))
      .map((e) => parseFloat(getComputedStyle(e).fontSize))),
  }
}

// Runs in the page: each image of slide `index` as displayed (object-fit: contain keeps
// the aspect ratio inside the element's box), the content box it sits in, and the smallest
// text of the figure in screen pixels. Matplotlib's SVG draws each text as glyph paths in
// a group scaled by fontsize/100 ("scale(s -s)"), in the units of the viewBox.
async function figures(index) {
  const section = document.querySelectorAll('svg[data-marpit-svg]')[index].querySelector('section')
  const style = getComputedStyle(section)
  const box = section.getBoundingClientRect()
  const contentWidth = box.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
  const contentHeight = box.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
  const found = []
  for (const img of section.querySelectorAll('img')) {
    const r = img.getBoundingClientRect()
    const scale = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight)
    const width = img.naturalWidth * scale
    const height = img.naturalHeight * scale
    const svg = await (await fetch(img.src)).text()
    const viewBox = svg.match(/viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"/)
    const sizes = [...svg.matchAll(/scale\(([\d.]+) -([\d.]+)\)/g)].map((m) => 100 * parseFloat(m[1]))
    const perUnit = viewBox ? width / parseFloat(viewBox[1]) : NaN
    found.push({ width, height, contentWidth, contentHeight,
      minTextPx: sizes.length ? Math.min(...sizes) * perUnit : null })
  }
  return found
}
