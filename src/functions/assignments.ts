import { app } from '@azure/functions';
import { assignmentRoutes } from '../routes';
import { register } from '../registration';

register(app, assignmentRoutes);
