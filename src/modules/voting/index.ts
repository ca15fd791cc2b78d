/** The voting module: names and builders (types.ts), state (keeper.ts), the Module (module.ts). */
export * from './types.js'
export * from './keeper.js'
export * from './module.js'
