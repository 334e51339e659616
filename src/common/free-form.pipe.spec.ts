import { describe, expect, it } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import { getMetadataStorage, IsIn, IsObject, IsOptional, IsString, registerDecorator } from 'class-validator';
import fc from 'fast-check';
import { FreeForm, FreeFormValidationPipe, mayFitJson } from './free-form.pipe.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A class, as class-validator keys its metadata. */
type Class = abstract new (...args: never[]) => unknown;

/** The DTO classes' constraints that only an asynchronous walk checks (validateSync passes over them). */
function asyncConstraints(classes: Class[]): string[] {
  const storage = getMetadataStorage();
  return classes.flatMap((cls) =>
    storage
      .getTargetValidationMetadatas(cls, '', true, false)
      .flatMap((m) => storage.getTargetValidatorConstraints(m.constraintCls))
      .filter((c) => c.async)
      .map((c) => `${cls.name}: ${c.name}`),
  );
}

async function dtoClasses(): Promise<Class[]> {
  const root = join(import.meta.dirname, '..');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.dto.ts'));
  const classes: Class[] = [];
  // One at a time: Jest's module linker does not take concurrent imports of shared dependencies.
  for (const file of files) {
    const module = (await import(join(root, file))) as Record<string, unknown>;
    classes.push(...Object.values(module).filter((v): v is Class => typeof v === 'function'));
  }
  return classes;
}

describe('FreeFormValidationPipe validates synchronously', () => {
  it('is safe because no DTO carries an asynchronous constraint', async () => {
    const classes = await dtoClasses();
    const checks = classes.flatMap((cls) =>
      getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false),
    );
    expect(checks.length).toBeGreaterThan(100);
    expect(asyncConstraints(classes)).toEqual([]);
  });

  it('would be told by this check of a DTO that did', () => {
    class WithAsyncCheck {
      name = '';
    }
    registerDecorator({
      name: 'looksUpSomething',
      target: WithAsyncCheck,
      propertyName: 'name',
      async: true,
      validator: { validate: () => Promise.resolve(true) },
    });
    expect(asyncConstraints([WithAsyncCheck])).toEqual(['WithAsyncCheck: looksUpSomething']);
  });
});

describe('FreeFormValidationPipe remembers valid inputs', () => {
  /** How often the counted constraints have looked at a value. */
  let looks = 0;

  /** A constraint on a DTO's `outcome` that passes every value and counts the looks. */
  const countLooks = (target: abstract new () => unknown) =>
    registerDecorator({
      name: `counted${target.name}`,
      target,
      propertyName: 'outcome',
      validator: {
        validate: () => {
          looks += 1;
          return true;
        },
      },
    });

  class Approval {
    @IsIn(['approve', 'reject'])
    outcome!: string;

    @IsOptional()
    @IsString()
    comment?: string;
  }
  countLooks(Approval);

  const pipe = () =>
    new FreeFormValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      exceptionFactory: (errors) => new BadRequestException(errors.map((e) => e.property)),
    });
  const body = { type: 'body' as const, metatype: Approval };

  it('walks an input found valid once, and answers it again the same without walking it', async () => {
    const validation = pipe();
    looks = 0;
    expect(await validation.transform({ outcome: 'approve' }, body)).toEqual({ outcome: 'approve' });
    expect(await validation.transform({ outcome: 'approve' }, body)).toEqual({ outcome: 'approve' });
    expect(looks).toBe(1);
    expect(await validation.transform({ outcome: 'approve', comment: 'fine' }, body)).toEqual({
      outcome: 'approve',
      comment: 'fine',
    });
    expect(looks).toBe(2);
  });

  it('walks an invalid input every time, and refuses it every time', async () => {
    const validation = pipe();
    looks = 0;
    for (let i = 0; i < 2; i++) {
      await expect(validation.transform({ outcome: 'approve', extra: 1 }, body)).rejects.toThrow(
        BadRequestException,
      );
      await expect(validation.transform({ outcome: 'maybe' }, body)).rejects.toThrow(BadRequestException);
    }
    expect(looks).toBe(4);
  });

  it('refuses members named like those every object inherits, which class-transformer would drop unnamed', async () => {
    const validation = pipe();
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const input = JSON.parse(`{"outcome":"approve","${name}":{}}`) as unknown;
      const refused = { response: { message: [name] } };
      await expect(validation.transform(input, body)).rejects.toMatchObject(refused);
      // Twice: a refusal is not remembered as an answer either.
      await expect(validation.transform(input, body)).rejects.toMatchObject(refused);
    }
    expect(await validation.transform({ outcome: 'approve' }, body)).toEqual({ outcome: 'approve' });
  });

  it('gives each caller its own copy of a remembered answer', async () => {
    const validation = pipe();
    const walked = await pipe().transform({ outcome: 'approve' }, body);
    expect(await validation.transform({ outcome: 'approve' }, body)).toStrictEqual(walked);
    expect(await validation.transform({ outcome: 'approve' }, body)).toStrictEqual(walked);
    const first = (await validation.transform({ outcome: 'approve', comment: 'fine' }, body)) as Approval;
    first.comment = 'changed by its handler';
    const second = (await validation.transform({ outcome: 'approve', comment: 'fine' }, body)) as Approval;
    expect(second).toEqual({ outcome: 'approve', comment: 'fine' });
    expect(second).not.toBe(first);
    const third = await validation.transform({ outcome: 'approve', comment: 'fine' }, body);
    expect(third).not.toBe(second);
  });

  it('remembers the envelope of a free-form value, and answers each input with its own value', async () => {
    class Decision {
      @IsIn(['approve', 'reject'])
      outcome!: string;

      @IsOptional()
      @IsObject()
      @FreeForm()
      produces?: Record<string, unknown>;
    }
    countLooks(Decision);
    const validation = pipe();
    const decision = { type: 'body' as const, metatype: Decision };
    looks = 0;
    const a = { outcome: 'approve', produces: { permit: 'A-1' } };
    const b = { outcome: 'approve', produces: { permit: 'B-2', extra: [1, 2] } };
    expect(await validation.transform(a, decision)).toEqual(a);
    expect(await validation.transform(b, decision)).toEqual(b);
    expect(looks).toBe(1);
    const refused = validation.transform({ outcome: 'approve', produces: 'not an object' }, decision);
    await expect(refused).rejects.toThrow(BadRequestException);
  });

  it('passes what it does not validate through as the same value', async () => {
    const validation = pipe();
    const caller = { id: 'officer-1', role: 'officer' };
    expect(await validation.transform(caller, { type: 'custom', metatype: Object })).toBe(caller);
    expect(await validation.transform(caller, { type: 'custom', metatype: Object })).toBe(caller);
  });

  it('walks an input too long to remember every time', async () => {
    const validation = pipe();
    looks = 0;
    const long = { outcome: 'approve', comment: 'x'.repeat(2_000) };
    expect(await validation.transform(long, body)).toEqual(long);
    expect(await validation.transform(long, body)).toEqual(long);
    expect(looks).toBe(2);
  });

  it('walks an input whose JSON is too long only once its characters are escaped every time', async () => {
    const validation = pipe();
    looks = 0;
    const quoted = { outcome: 'approve', comment: '"'.repeat(600) };
    expect(JSON.stringify(quoted).length).toBeGreaterThan(1_024);
    expect(await validation.transform(quoted, body)).toEqual(quoted);
    expect(await validation.transform(quoted, body)).toEqual(quoted);
    expect(looks).toBe(2);
  });

  it('remembers the last 2,000 answers of all DTO classes together, and walks an older input again', async () => {
    const validation = pipe();
    looks = 0;
    await validation.transform({ outcome: 'approve', comment: 'first' }, body);
    for (let i = 0; i < 2_000; i++)
      await validation.transform({ outcome: 'approve', comment: `c${i}` }, body);
    expect(looks).toBe(2_001);
    await validation.transform({ outcome: 'approve', comment: 'c1999' }, body);
    expect(looks).toBe(2_001);
    await validation.transform({ outcome: 'approve', comment: 'first' }, body);
    expect(looks).toBe(2_002);
  });

  it('remembers what a stripping whitelist made of an input, and answers it stripped again', async () => {
    const stripping = new FreeFormValidationPipe({ whitelist: true });
    looks = 0;
    expect(await stripping.transform({ outcome: 'approve', extra: 1 }, body)).toEqual({ outcome: 'approve' });
    expect(await stripping.transform({ outcome: 'approve', extra: 1 }, body)).toEqual({ outcome: 'approve' });
    expect(looks).toBe(1);
  });
});

describe('mayFitJson', () => {
  it('says no only of a JSON value whose JSON is longer than the limit, and yes of every shorter one', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(400), (value, max) => {
        expect(mayFitJson(value, max) || JSON.stringify(value).length > max).toBe(true);
        if (JSON.stringify(value).length <= max) expect(mayFitJson(value, max)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('says no of a large body after reading about as much of it as the limit', () => {
    const members = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, `value ${i}`]));
    let reads = 0;
    const counted = new Proxy(members, {
      get: (target, name) => {
        reads++;
        return Reflect.get(target, name) as unknown;
      },
    });
    expect(mayFitJson(counted, 1_024)).toBe(false);
    expect(reads).toBeLessThan(100);
  });
});
