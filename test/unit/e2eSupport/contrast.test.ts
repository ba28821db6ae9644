import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contrastRatio, parseCssColor, renderedContrast } from '../../e2e/support/contrast';

const ratio = (a: string, b: string) => Math.round(contrastRatio(parseCssColor(a), parseCssColor(b)) * 100) / 100;

describe('contrast ratio as WCAG defines it', () => {
  test('black on white is 21:1, a colour on itself 1:1, either order', () => {
    assert.equal(ratio('#000', '#fff'), 21);
    assert.equal(ratio('#ffffff', '#000000'), 21);
    assert.equal(ratio('rgb(51, 102, 153)', 'rgb(51, 102, 153)'), 1);
  });

  test('the colours the issue measured on the Light theme: testing.iconPassed 2.0:1, editorWarning.foreground 3.1:1', () => {
    assert.equal(Math.round(ratio('#73c991', '#ffffff') * 10) / 10, 2);
    assert.equal(Math.round(ratio('#bf8803', '#ffffff') * 10) / 10, 3.1);
  });

  test('reads every form getComputedStyle and theme variables give', () => {
    assert.deepEqual(parseCssColor('rgba(0, 0, 0, 0)'), { r: 0, g: 0, b: 0, a: 0 });
    assert.deepEqual(parseCssColor('rgb(204 204 204 / 70%)'), { r: 204, g: 204, b: 204, a: 0.7 });
    assert.deepEqual(parseCssColor('#ccccccb3'), { r: 204, g: 204, b: 204, a: 0xb3 / 255 });
    assert.deepEqual(parseCssColor('color(srgb 1 0 0)'), { r: 255, g: 0, b: 0, a: 1 });
    assert.throws(() => parseCssColor('var(--x)'), /Not a colour/);
  });

  test('semi-transparent text and backgrounds are composited over what is behind them', () => {
    // 70% #cccccc on #1f1f1f, as Dark Modern's descriptionForeground: lighter than the background, darker than #ccc.
    const muted = renderedContrast({ text: 'x', color: 'rgba(204, 204, 204, 0.7)', backgrounds: ['rgba(0, 0, 0, 0)'] }, '#1f1f1f');
    const full = renderedContrast({ text: 'x', color: 'rgb(204, 204, 204)', backgrounds: [] }, '#1f1f1f');
    assert.ok(muted > 4.5 && muted < full, `${muted} vs ${full}`);
    // An opaque badge behind the text decides, not the page.
    assert.equal(Math.round(renderedContrast({ text: 'x', color: '#000', backgrounds: ['#fff', 'transparent'] }, '#000')), 21);
  });
});
