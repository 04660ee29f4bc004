/** The file name of a phrase's head: `emergency stop` → `emergency-stop.onnx`. */
export function headFileName(phrase: string): string {
  return `${phrase
    .trim()
    .toLowerCase()
    .replace(/'/g, '')
    .replace(/[^a-z]+/g, '-')}.onnx`;
}
