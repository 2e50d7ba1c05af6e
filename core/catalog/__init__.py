"""The information catalogue (《社会信用信息目录》): versioned; every record points at an item."""
