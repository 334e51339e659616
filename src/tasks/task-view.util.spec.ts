import { describe, expect, it } from '@jest/globals';
import { pickFields } from './task-view.util.js';

const data = { applicant: { name: 'Li Lei', idNumber: '110101199003071234' }, address: 'Road 1', seats: 40 };

describe('pickFields', () => {
  it('keeps only the granted fields, nested ones included', () => {
    expect(pickFields(data, ['applicant.name', 'seats'])).toEqual({
      applicant: { name: 'Li Lei' },
      seats: 40,
    });
  });

  it('grants everything when the step names no fields', () => {
    expect(pickFields(data, undefined)).toEqual(data);
  });

  it('grants a whole object when its parent path is named', () => {
    expect(pickFields(data, ['applicant'])).toEqual({ applicant: data.applicant });
  });

  it('leaves out fields the applicant did not fill in', () => {
    expect(pickFields(data, ['floorPlan', 'address'])).toEqual({ address: 'Road 1' });
  });
});
