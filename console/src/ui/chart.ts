/** A small SVG line chart (no library): one or more series over the same x range. */
import { s } from './dom.ts'

export interface Series { name: string; values: number[]; cls: string }

export function lineChart(series: Series[], opts: { width?: number; height?: number; label: string; unit?: string }): SVGElement {
  const w = opts.width ?? 560
  const hgt = opts.height ?? 140
  const pad = { l: 36, r: 8, t: 8, b: 18 }
  const n = Math.max(2, ...series.map((x) => x.values.length))
  const max = Math.max(1, ...series.flatMap((x) => x.values))
  const X = (i: number) => pad.l + (i * (w - pad.l - pad.r)) / (n - 1)
  const Y = (v: number) => hgt - pad.b - (v / max) * (hgt - pad.t - pad.b)
  const svg = s('svg', { viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': opts.label, class: 'chart', preserveAspectRatio: 'none' })
  svg.append(s('title', {}, opts.label))
  for (const f of [0, 0.5, 1]) {
    const y = Y(max * f)
    svg.append(s('line', { x1: pad.l, x2: w - pad.r, y1: y, y2: y, class: 'grid' }))
    svg.append(s('text', { x: 2, y: y + 4, class: 'axis' }, `${+(max * f).toFixed(max * f < 10 ? 1 : 0)}${f === 1 && opts.unit ? ' ' + opts.unit : ''}`))
  }
  for (const x of series) {
    if (!x.values.length) continue
    const pts = x.values.map((v, i) => `${X(i + n - x.values.length).toFixed(1)},${Y(v).toFixed(1)}`).join(' ')
    svg.append(s('polyline', { points: pts, class: `line ${x.cls}` }))
  }
  return svg
}
