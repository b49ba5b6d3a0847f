/**
 * Reference ring cadences (ms on/off, repeated) of twelve countries as
 * published in their national specifications and collected in ITU-T E.180
 * Supplement 2. The media tone plans are the source of truth at run time;
 * this table is the drivers' own reference for tests and for boards run
 * without the media engine.
 */
export const E180_RING_CADENCES_MS: Readonly<Record<string, readonly number[]>> = {
  us: [2000, 4000],
  uk: [400, 200, 400, 2000],
  de: [1000, 4000],
  fr: [1500, 3500],
  it: [1000, 4000],
  es: [1500, 3000],
  nl: [1000, 4000],
  jp: [1000, 2000],
  se: [1000, 5000],
  ru: [800, 3200],
  au: [400, 200, 400, 2000],
  in: [400, 200, 400, 2000],
};
