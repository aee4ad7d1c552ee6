// Every function file, for the deployment bundle (scripts/bundle.js): one entry that registers them all.
import './functions/graph';
