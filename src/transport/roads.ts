/** A square road grid: (blocks+1)² intersections `blockLength` metres apart, roads along every grid line. */
export interface Grid {
  blocks: number
  blockLength: number
}

export const gridExtent = (g: Grid) => g.blocks * g.blockLength

/** Distance from a point to the nearest road of the grid (0 on a road). */
export function distanceToRoad(g: Grid, x: number, y: number): number {
  const ext = gridExtent(g)
  const clamp = (v: number) => Math.min(Math.max(v, 0), ext)
  const nearestLine = (v: number) => Math.min(Math.max(Math.round(v / g.blockLength), 0), g.blocks) * g.blockLength
  // vertical roads x = k·L (y ∈ [0, ext]) and horizontal roads y = k·L (x ∈ [0, ext])
  const dv = Math.hypot(x - nearestLine(x), y - clamp(y))
  const dh = Math.hypot(y - nearestLine(y), x - clamp(x))
  return Math.min(dv, dh)
}
