import { app } from '@azure/functions';
import { serviceRoutes } from '../routes';
import { register } from '../registration';

register(app, serviceRoutes);
