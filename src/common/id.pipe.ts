import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationFailedError } from '../http/http-errors.js';

/** Path ids are short tokens; anything else is a 400, not a lookup. */
@Injectable()
export class IdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !/^[A-Za-z0-9][\w.-]{0,99}$/.test(value)) {
      throw new ValidationFailedError([{ field: metadata.data ?? 'id', message: 'must be an id of letters, digits, ".", "_" or "-"' }]);
    }
    return value;
  }
}
