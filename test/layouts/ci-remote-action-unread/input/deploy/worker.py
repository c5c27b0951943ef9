print("work")
