import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { ValidateBy, ValidationArguments, ValidationError } from 'class-validator';
import { FieldProblem, RequestValidationError } from './request-validation.error';

/*
 * How problems inside a value reach their JSON Pointer: class-validator reports one message per
 * constraint and property, so a constraint that checks the entries of a list cannot report
 * `/list/2` by itself. Such constraints (named INNER_PROBLEMS_CONSTRAINT) return as their message
 * the encoded list of problems they found, each with a pointer relative to the property;
 * toFieldProblems() decodes it and appends those pointers to the property's pointer. Nested
 * objects need no codec: class-validator already reports them as children named by key or index.
 */
const INNER_PROBLEMS_CONSTRAINT = 'innerProblems';

function encodeInnerProblems(problems: FieldProblem[]): string {
  // class-validator rewrites `$property`, `$value`... in messages; the escape keeps echoed input intact.
  return JSON.stringify(problems).replaceAll('$', '\\u0024');
}

function decodeInnerProblems(message: string): FieldProblem[] {
  return JSON.parse(message) as FieldProblem[];
}

function escapeJsonPointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Flattens class-validator's error tree into one problem per message, each with a JSON Pointer. */
export function toFieldProblems(errors: ValidationError[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const visit = (error: ValidationError, parentPointer: string): void => {
    // An error without a property (forbidUnknownValues) is about the value that holds it.
    const pointer =
      error.property === undefined
        ? parentPointer
        : `${parentPointer}/${escapeJsonPointerSegment(String(error.property))}`;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      if (constraint === INNER_PROBLEMS_CONSTRAINT) {
        for (const inner of decodeInnerProblems(message)) {
          problems.push({ pointer: pointer + inner.pointer, detail: inner.detail });
        }
      } else {
        problems.push({ pointer, detail: message });
      }
    }
    for (const child of error.children ?? []) {
      visit(child, pointer);
    }
  };
  for (const error of errors) {
    visit(error, '');
  }
  return problems;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeJsonValue(value: unknown): string {
  if (value === undefined) {
    return 'no body';
  }
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** No request DTO nests deeper than this; anything deeper is refused before it is walked recursively. */
const MAX_NESTING = 16;

/** Deepest nesting of arrays and objects in `value`, counted without recursion, stopping past `limit`. */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Keys that name members of Object.prototype (`__proto__`, `constructor`, `toString`, ...) or
 * `prototype`. Nest and class-transformer drop them silently, so forbidNonWhitelisted never sees
 * them; they are refused here instead, like any unknown field.
 */
function prototypeKeys(value: object): string[] {
  return Object.keys(value).filter((key) => key === 'prototype' || key in Object.prototype);
}

class RequestBodyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Nest would validate a missing or null body as {} and report an array or a primitive at "/body".
    const isWholeBodyDto =
      metadata.type === 'body' && metadata.data === undefined && this.toValidate(metadata);
    if (isWholeBodyDto && !isPlainObject(value)) {
      const detail = `the request body must be a JSON object, not ${describeJsonValue(value)}; send {} to use every default`;
      throw new RequestValidationError([{ pointer: '', detail }]);
    }
    if (this.toValidate(metadata) && typeof value === 'object' && value !== null) {
      // Deep nesting would overflow the stack of the recursive transform and validation below.
      if (nestingDepth(value, MAX_NESTING) > MAX_NESTING) {
        throw new RequestValidationError([
          { pointer: '', detail: `nested deeper than ${MAX_NESTING} levels` },
        ]);
      }
      const reserved = prototypeKeys(value);
      if (reserved.length > 0) {
        throw new RequestValidationError(
          reserved.map((key) => ({
            pointer: `/${escapeJsonPointerSegment(key)}`,
            detail: `property ${key} should not exist`,
          })),
        );
      }
    }
    return super.transform(value, metadata);
  }
}

/** The pipe for request DTOs: strict types, no unknown properties, failures as RequestValidationError. */
export function createValidationPipe(): ValidationPipe {
  return new RequestBodyValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    // Problems are built from messages alone; leaving values out keeps caller input out of the error tree.
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => new RequestValidationError(toFieldProblems(errors)),
  });
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function joinWithAnd(words: readonly string[]): string {
  return words.length <= 1
    ? words.join('')
    : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * Terraform SDK ConflictsWith: the decorated property may not be given together with any of
 * `properties`. Presence counts, not value: `[]` and `false` are set; omitted and null are unset,
 * as in Terraform. Misspelt property names fail to compile.
 */
export function ConflictsWith<K extends string>(properties: readonly K[], hint?: string) {
  return <T extends object>(
    target: T & Record<Exclude<K, keyof T>, never>,
    propertyName: keyof T & string,
  ) => {
    const conflictsIn = (object: object | undefined): K[] =>
      properties.filter((property) => isSet((object as Partial<Record<K, unknown>> | undefined)?.[property]));
    const suffix = hint === undefined ? '' : `; ${hint}`;
    ValidateBy({
      name: 'conflictsWith',
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          !isSet(value) || conflictsIn(args?.object).length === 0,
        defaultMessage: (args?: ValidationArguments) =>
          `${propertyName} conflicts with ${joinWithAnd(conflictsIn(args?.object))}${suffix}`,
      },
    })(target, propertyName);
  };
}

/** Checks one value; returns what is wrong with it, or undefined when it is valid. */
export type ValueCheck = (value: unknown) => string | undefined;

/** A rule whose message says what exactly is wrong (class-validator's own messages are fixed per rule). */
export function Satisfies(name: string, check: ValueCheck): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown) => check(value) === undefined,
      defaultMessage: (args?: ValidationArguments) => check(args?.value) ?? '',
    },
  });
}

/** Checks one list entry; returns what is wrong with it, or undefined when it is valid. */
export type EntryCheck = (entry: string) => string | undefined;

export interface StringListOptions {
  maxEntries: number;
  maxEntryLength: number;
  /**
   * Builds the entry check for one validation of the list. It receives the whole object, for rules
   * that depend on other properties, and may keep state across the entries of the list.
   */
  createEntryCheck: (object: object) => EntryCheck;
}

function findListProblems(
  value: unknown,
  property: string,
  object: object,
  options: StringListOptions,
): FieldProblem[] {
  if (!Array.isArray(value)) {
    return [{ pointer: '', detail: `${property} must be an array of strings` }];
  }
  if (value.length > options.maxEntries) {
    const detail = `${property} must have at most ${options.maxEntries} entries, not ${value.length}`;
    return [{ pointer: '', detail }];
  }
  const checkEntry = options.createEntryCheck(object);
  const problems: FieldProblem[] = [];
  value.forEach((entry: unknown, index) => {
    let detail: string | undefined;
    if (typeof entry !== 'string') {
      detail = 'must be a string';
    } else if (entry.length > options.maxEntryLength) {
      detail = `must be at most ${options.maxEntryLength} characters long, not ${entry.length}`;
    } else {
      detail = checkEntry(entry);
    }
    if (detail !== undefined) {
      problems.push({ pointer: `/${index}`, detail: `${property}[${index}]: ${detail}` });
    }
  });
  return problems;
}

/** An array of strings checked entry by entry; each problem points at its entry (`/property/2`). */
export function IsStringList(options: StringListOptions): PropertyDecorator {
  const problemsOf = (args?: ValidationArguments): FieldProblem[] =>
    findListProblems(args?.value, args?.property ?? '', args?.object ?? {}, options);
  // class-validator asks for the message in a second call; keeping the problems of a rejected list
  // spares checking it twice (entry checks may compile up to hundreds of regexes).
  const problemsOfRejectedLists = new WeakMap<object, FieldProblem[]>();
  return ValidateBy({
    name: INNER_PROBLEMS_CONSTRAINT,
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        const problems = problemsOf(args);
        if (problems.length > 0 && Array.isArray(value)) {
          problemsOfRejectedLists.set(value, problems);
        }
        return problems.length === 0;
      },
      defaultMessage: (args?: ValidationArguments) => {
        const value: unknown = args?.value;
        const remembered = Array.isArray(value) ? problemsOfRejectedLists.get(value) : undefined;
        return encodeInnerProblems(remembered ?? problemsOf(args));
      },
    },
  });
}
