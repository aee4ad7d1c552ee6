import { app } from '@azure/functions';
import { fallbackRoutes } from '../routes';
import { register } from '../registration';

register(app, fallbackRoutes);
