/**
 * The one ordering of text the pipeline sorts by: code-unit order, as `<` compares strings - the
 * same in every locale, so output does not depend on the machine.
 */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Orders values by a text key (see byText). */
export const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T): number =>
    byText(key(a), key(b));
