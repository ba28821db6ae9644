/** `# @connection <name>`: which saved connection a file names, the warning for a name no connection has, and the edits that bind and unbind. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bindingDiagnostics, bindingEdit, resolveBinding } from '../../../src/odata/binding';
import { parseODataFile, type Edit } from '../../../src/odata/file';

const SAVED = ['Contoso Dev', 'Contoso Sales', 'Fabrikam Prod'];
const apply = (text: string, edit: Edit) => text.slice(0, edit.start) + edit.newText + text.slice(edit.end);

describe('connection binding', () => {
  test('a binding names a saved connection whatever the case and spacing', () => {
    assert.equal(resolveBinding('contoso dev', SAVED), 'Contoso Dev');
    assert.equal(resolveBinding('  Fabrikam Prod ', SAVED), 'Fabrikam Prod');
    assert.equal(resolveBinding('Contoso', SAVED), undefined);
  });

  test('a saved name gives no warning', () => {
    assert.deepEqual(bindingDiagnostics(parseODataFile('# @connection Contoso Sales\nGET accounts\n'), SAVED), []);
  });

  test('an unknown name is underlined, says the saved names, and a close one is offered as a fix that removes the warning', () => {
    const text = '# @connection Contoso Sals\nGET accounts\n';
    const [warning, ...more] = bindingDiagnostics(parseODataFile(text), SAVED);
    assert.equal(more.length, 0);
    assert.equal(warning.code, 'unknown-connection');
    assert.equal(warning.severity, 'warning');
    assert.equal(text.slice(warning.start, warning.end), 'Contoso Sals');
    assert.match(warning.message, /No saved connection is named 'Contoso Sals'; did you mean 'Contoso Sales'\?/);
    assert.match(warning.message, /Saved connections: Contoso Dev, Contoso Sales, Fabrikam Prod/);
    assert.equal(warning.fix?.title, "Bind to 'Contoso Sales'");
    const fixed = apply(text, warning.fix!.edits[0]);
    assert.equal(fixed, '# @connection Contoso Sales\nGET accounts\n');
    assert.deepEqual(bindingDiagnostics(parseODataFile(fixed), SAVED), []);
  });

  test('with no saved connection at all, the warning says to connect first', () => {
    const [warning] = bindingDiagnostics(parseODataFile('# @connection Contoso Dev\nGET accounts\n'), []);
    assert.match(warning.message, /There are no saved connections: run "Dataverse: Connect to an Environment" first/);
    assert.equal(warning.fix, undefined);
  });

  test('binding a file without a binding writes the line first, in the file\'s line endings', () => {
    const text = 'GET accounts\r\nPrefer: odata.maxpagesize=10\r\n';
    const bound = apply(text, bindingEdit(parseODataFile(text), 'Contoso Dev')!);
    assert.equal(bound, '# @connection Contoso Dev\r\nGET accounts\r\nPrefer: odata.maxpagesize=10\r\n');
    assert.equal(parseODataFile(bound).connection?.name, 'Contoso Dev');
  });

  test('binding again replaces only the name; unbinding removes the whole line and nothing else', () => {
    const text = '# Sales queries\n# @connection Contoso Dev\n\n### Accounts\nGET accounts\n';
    const file = parseODataFile(text);
    assert.equal(apply(text, bindingEdit(file, 'Fabrikam Prod')!), '# Sales queries\n# @connection Fabrikam Prod\n\n### Accounts\nGET accounts\n');
    const unbound = apply(text, bindingEdit(file, undefined)!);
    assert.equal(unbound, '# Sales queries\n\n### Accounts\nGET accounts\n');
    assert.equal(parseODataFile(unbound).connection, undefined);
    assert.equal(bindingEdit(parseODataFile(unbound), undefined), undefined, 'nothing to remove');
  });

  test('unbinding a binding on the first line leaves no blank line at the top', () => {
    const text = '# @connection Nope\n  \n### one\nGET accounts\n';
    assert.equal(apply(text, bindingEdit(parseODataFile(text), undefined)!), '### one\nGET accounts\n');
  });

  test('the warning says that only the syntax is checked until the name is fixed', () => {
    const [warning] = bindingDiagnostics(parseODataFile('# @connection Nope\nGET accounts\n'), SAVED);
    assert.match(warning.message, /Until it names one, only the syntax of this file is checked/);
  });
});
