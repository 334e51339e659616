import fc from 'fast-check';

/** Any value a JSON writer may be handed: boxed values, dates, maps, sets, null prototypes, sparse and typed arrays. */
export const anyValue = (): fc.Arbitrary<unknown> =>
  fc.anything({
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    withUnicodeString: true,
  });
