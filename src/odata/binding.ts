/**
 * `# @connection <name>` binds a `.odata` file to a saved connection by name.
 * Without a binding the file uses the active connection. These functions say
 * whether a binding names a saved connection, and write or remove one.
 */
import type { Edit, FileDiagnostic, ODataFile } from './file';
import { closest } from './vocabulary';

/** The saved connection name a binding refers to (names match without regard to case), or undefined. */
export function resolveBinding(bindingName: string, names: readonly string[]): string | undefined {
  const wanted = bindingName.trim().toLowerCase();
  return names.find((n) => n.trim().toLowerCase() === wanted);
}

/** A warning when the file is bound to a name that no saved connection has, with a fix for a close name. */
export function bindingDiagnostics(file: ODataFile, names: readonly string[]): FileDiagnostic[] {
  const binding = file.connection;
  if (!binding || resolveBinding(binding.name, names) !== undefined) return [];
  const span = binding.name ? binding.nameSpan : binding;
  const guess = binding.name ? closest(binding.name, names) : undefined;
  const known = names.length ? ` Saved connections: ${names.join(', ')}.` : ' There are no saved connections: run "Dataverse: Connect to an Environment" first.';
  const diagnostic: FileDiagnostic = {
    start: span.start,
    end: span.end,
    message: binding.name
      ? `No saved connection is named '${binding.name}'${guess ? `; did you mean '${guess}'?` : '.'} Until it names one, only the syntax of this file is checked.${known}`
      : `Name the connection this file uses after '# @connection'.${known}`,
    severity: 'warning',
    code: 'unknown-connection',
  };
  if (guess) diagnostic.fix = { title: `Bind to '${guess}'`, edits: [{ start: binding.nameSpan.start, end: binding.nameSpan.end, newText: guess }] };
  return [diagnostic];
}

/** The offset after the line break that ends the line containing `offset`. */
function lineEnd(text: string, offset: number): number {
  const eol = text.indexOf('\n', offset);
  return eol < 0 ? text.length : eol + 1;
}

/** The edit that binds the file to `name`, or removes the binding when `name` is undefined. */
export function bindingEdit(file: ODataFile, name: string | undefined): Edit | undefined {
  const binding = file.connection;
  if (binding && name !== undefined) return { start: binding.nameSpan.start, end: binding.nameSpan.end, newText: name };
  if (binding) {
    // The whole line, its line break included.
    let end = lineEnd(file.text, binding.end);
    let start = binding.start;
    while (start > 0 && file.text[start - 1] !== '\n') start--;
    // A binding at the top of the file leaves no blank line behind it.
    const next = lineEnd(file.text, end);
    if (start === 0 && next > end && file.text.slice(end, next).trim() === '') end = next;
    return { start, end, newText: '' };
  }
  if (name === undefined) return undefined;
  const eol = file.text.includes('\r\n') ? '\r\n' : '\n';
  return { start: 0, end: 0, newText: `# @connection ${name}${eol}` };
}
