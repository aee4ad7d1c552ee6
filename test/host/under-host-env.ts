process.env.E2E_SERVER = 'host';
