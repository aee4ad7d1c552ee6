import { app } from '@azure/functions';
import { hostFunction } from '../routes';
import { register } from '../registration';

register(app, hostFunction);
