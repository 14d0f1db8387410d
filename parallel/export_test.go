package parallel

// PlacesMade returns how many window places MapOrdered has made in all.
func PlacesMade() int64 { return placesMade.Load() }
