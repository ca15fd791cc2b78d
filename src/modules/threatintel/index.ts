/** The threatintel module: names, builders and what it needs of the bridge (types.ts), state (keeper.ts), its bridge app (bridge-app.ts), the Module (module.ts). */
export * from './types.js'
export * from './keeper.js'
export * from './bridge-app.js'
export * from './module.js'
