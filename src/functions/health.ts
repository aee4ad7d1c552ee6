import { app } from '@azure/functions';
import { healthRoutes } from '../routes';
import { register } from '../registration';

register(app, healthRoutes);
