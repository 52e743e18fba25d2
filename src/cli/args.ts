// Option parsers shared by the CLI commands: a bad value is refused by commander with the option's
// name, before any request is made.
import { InvalidArgumentError } from 'commander';

/** A parser for whole numbers >= `min`. */
export function wholeArg(min = 0): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be a whole number >= ${min}`);
    return n;
  };
}
