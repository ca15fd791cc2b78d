/**
 * A city's departments at genesis (`polis init --departments`): one clerk key per department with
 * its role, and a starter list of Open311 complaint services handled by them.
 */
export const DEPARTMENT_CLERKS: ReadonlyArray<{ name: string; roles: string[] }> = [
  { name: 'water-clerk', roles: ['water'] },
  { name: 'electricity-clerk', roles: ['electricity'] },
  { name: 'parking-clerk', roles: ['parking'] },
  { name: 'tax-clerk', roles: ['tax'] },
  { name: 'transport-clerk', roles: ['transport'] },
  { name: 'energy-clerk', roles: ['energy'] },
  { name: 'works-clerk', roles: ['public-works'] },
  { name: 'sanitation-clerk', roles: ['sanitation'] },
]

const HOUR = 3_600_000

/** `app_state.complaints`: the services citizens can report on from the first block. */
export const STARTER_SERVICES = {
  services: [
    {
      service_code: 'pothole', service_name: 'Pothole', group: 'Streets', department: 'public-works', sla_ms: String(72 * HOUR), keywords: ['road', 'hole'],
      attributes: [{ code: 'size', datatype: 'singlevaluelist', required: false, description: 'How big is it?', order: 1, values: [{ key: 'small', name: 'Smaller than a plate' }, { key: 'large', name: 'Larger than a plate' }] }],
    },
    {
      service_code: 'streetlight', service_name: 'Streetlight out', group: 'Streets', department: 'public-works', sla_ms: String(48 * HOUR), keywords: ['light'],
      attributes: [{ code: 'pole', datatype: 'number', required: false, description: 'The number on the pole', order: 1 }],
    },
    { service_code: 'missed-pickup', service_name: 'Missed trash pickup', group: 'Sanitation', department: 'sanitation', sla_ms: String(24 * HOUR), keywords: ['trash', 'waste'] },
    { service_code: 'graffiti', service_name: 'Graffiti removal', group: 'Sanitation', department: 'sanitation', sla_ms: String(120 * HOUR), keywords: ['graffiti'] },
  ],
}
