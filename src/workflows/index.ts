export { fineTune } from './fine-tune';
