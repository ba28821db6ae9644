/** Walking down an expression tree to the node under a cursor. */
import type { Expr } from './ast';

function within(span: { start: number; end: number }, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

/** The chain of expression nodes containing `offset`, outermost first. */
export function exprChain(e: Expr, offset: number): Expr[] {
  const chain: Expr[] = [];
  let node: Expr | undefined = e;
  while (node && within(node, offset) && chain.length < 10_000) {
    chain.push(node);
    switch (node.kind) {
      case 'binary':
        node = within(node.left, offset) ? node.left : node.right;
        break;
      case 'unary':
        node = node.operand;
        break;
      case 'paren':
        node = node.inner;
        break;
      case 'lambda':
        node = within(node.collection, offset) ? node.collection : node.predicate;
        break;
      case 'call':
        node = node.args.map((a) => (a.kind === 'namedArgument' ? a.value : a)).find((a) => within(a, offset));
        break;
      case 'list':
        node = node.items.find((a) => within(a, offset));
        break;
      default:
        node = undefined;
    }
  }
  return chain;
}
