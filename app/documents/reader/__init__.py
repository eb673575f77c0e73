"""Reading uploaded documents (PDF text layers, images, OCR), shared by the app and its sandbox child."""
