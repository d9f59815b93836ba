// What the dataset readers return: typed sample lists, paths absolute, labels as indices.
export interface VideoSample {
  /** Absolute path of the video file. */
  path: string;
  /** The name the dataset's own lists use for it (relative path or file name). */
  id: string;
  label: number;
  className: string;
}

export interface VideoDataset<S extends VideoSample = VideoSample> {
  name: string;
  root: string;
  classes: string[];
  samples: S[];
}

export interface ImageSample {
  /** An image file, or a video file when `frame` is set. */
  path: string;
  id: string;
  /** A frame of the video at `path` (its index from 0): privacy images cut from video (PA-HMDB51, VP-*). */
  frame?: number;
  /** 0/1 per attribute of the dataset's attribute list. */
  labels: Uint8Array;
}

export interface ImageDataset {
  name: string;
  root: string;
  attributes: string[];
  samples: ImageSample[];
}

export const VIDEO_EXTENSIONS = ['.avi', '.mp4', '.mkv', '.webm', '.mov', '.m4v', '.mpg', '.mpeg'];
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff'];
