// The CSP style shim lets through only xterm's numeric cell colours: nothing an inline style could load or show.
import { describe, expect, it } from 'vitest';
import { isColourOnlyStyle } from '../../renderer/src/ui/csp-style-shim.js';

describe('which inline styles the CSP shim applies through CSSOM', () => {
  it('given the colours xterm writes for truecolour cells (found by the hostile-strings e2e), then they pass, also as serialized back', () => {
    expect(isColourOnlyStyle('color:#00ff00;')).toBe(true);
    expect(isColourOnlyStyle('background-color:#ff0000;')).toBe(true);
    expect(isColourOnlyStyle('background-color: rgb(255, 0, 0);color:#00ff00;')).toBe(true);
    expect(isColourOnlyStyle('color:#00ff0080;')).toBe(true);
    expect(isColourOnlyStyle('color: rgba(0, 255, 0, 0.5);')).toBe(true);
  });

  it('given anything else an inline style could carry, then the shim leaves it to the CSP', () => {
    for (const style of [
      'background:url(http://127.0.0.1/x.png);',
      'background-image:url(x);',
      'color:#00ff00;background:url(x);',
      'color:red;',
      'width:expression(alert(1));',
      'content:"evil";',
      'color:#00ff00',
      '',
      'color:#00ff00;}body{display:none;',
    ])
      expect(isColourOnlyStyle(style)).toBe(false);
  });
});
