/**
 * Spoken templates: `{name}` is replaced by the value of that name (an argument or a result field); an unknown name is
 * left out (with the space before the punctuation that followed it). Numbers and words read as they are.
 *
 * @example
 * ```ts
 * fillTemplate('Arrived at the {place}.', { place: 'kitchen' }); // 'Arrived at the kitchen.'
 * ```
 */
export function fillTemplate(template: string, values: Record<string, unknown>): string {
  return template
    .replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = values[name];
      return value === undefined || value === null || typeof value === 'object' ? '' : String(value);
    })
    .replace(/\s+/g, ' ')
    .replace(/ ([.,!?;:])/g, '$1')
    .trim();
}
